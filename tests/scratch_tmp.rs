use corobridge::ClockKind;
use corobridge::game::{GameWorld, SeedStyleWorld};
fn rss() -> (u64, u64) {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    let get = |k: &str| s.lines().find(|l| l.starts_with(k)).unwrap().split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024;
    (get("VmRSS:"), get("VmHWM:"))
}
#[test]
fn mem() {
    let n = 1_000_000;
    if std::env::var("SEED").is_ok() {
        println!("start {:?}", rss());
        let mut b = SeedStyleWorld::new(n).unwrap();
        println!("seed setup {:?}", rss());
        for _ in 0..1000 { b.frame(); }
        println!("seed frames {:?}", rss());
    } else {
        println!("start {:?}", rss());
        let mut a = GameWorld::new(ClockKind::Virtual, n, 0).unwrap();
        println!("world {:?}", rss());
        a.populate(n).unwrap();
        println!("populated {:?}", rss());
        a.start().unwrap();
        println!("started {:?}", rss());
        for _ in 0..1000 { a.frame().unwrap(); }
        println!("frames {:?} {:?}", rss(), a.executor().stats());
    }
}
