//! The cxx bridge to the C++ game world (lab/cpp/game_bridge.hpp).

#[cxx::bridge(namespace = "corobridge::game::bridge")]
pub(crate) mod ffi {
    /// A position in the game world.
    #[derive(Clone, Copy, Debug, Default, PartialEq)]
    struct Vec3 {
        /// East.
        x: f32,
        /// Up.
        y: f32,
        /// North.
        z: f32,
    }

    unsafe extern "C++" {
        include!("corobridge-lab/cpp/game_bridge.hpp");

        type EngineWorld;
        type SeedStyleWorld;

        fn new_engine_world(
            executor_handle: usize,
            entities: usize,
            particles: usize,
        ) -> Result<UniquePtr<EngineWorld>>;
        fn create_npc(
            w: Pin<&mut EngineWorld>,
            position: Vec3,
            speed: f32,
            route: &[Vec3],
        ) -> Result<u32>;
        fn start_patrol(w: Pin<&mut EngineWorld>, npc: u32) -> Result<u64>;
        fn start_attack_cooldown(
            w: Pin<&mut EngineWorld>,
            npc: u32,
            cooldown_ms: i64,
        ) -> Result<u64>;
        fn start_dialogue(w: Pin<&mut EngineWorld>, npc: u32, lines: Vec<String>) -> Result<u64>;
        fn spawn_particle(
            w: Pin<&mut EngineWorld>,
            position: Vec3,
            lifetime_seconds: f32,
        ) -> Result<u32>;
        fn populate(w: Pin<&mut EngineWorld>, skip: usize, npcs: usize) -> Result<usize>;
        fn cancel_behavior(w: Pin<&mut EngineWorld>, id: u64) -> bool;
        fn set_action(w: Pin<&mut EngineWorld>, action: &str, pressed: bool);
        fn frame(w: Pin<&mut EngineWorld>) -> Result<u64>;

        fn position(w: &EngineWorld, npc: u32) -> Result<Vec3>;
        fn waypoints_reached(w: &EngineWorld, npc: u32) -> Result<u32>;
        fn now_ns(w: &EngineWorld) -> i64;
        fn set_active(w: Pin<&mut EngineWorld>, npc: u32, active: bool) -> Result<()>;
        fn can_attack(w: &EngineWorld, npc: u32) -> Result<bool>;
        fn visible_text(w: Pin<&mut EngineWorld>, npc: u32) -> String;
        fn is_displaying(w: Pin<&mut EngineWorld>, npc: u32) -> bool;
        fn particle_alpha(w: &EngineWorld, particle: u32) -> Result<f32>;
        fn particle_alive(w: &EngineWorld, particle: u32) -> Result<bool>;
        fn alive_particles(w: &EngineWorld) -> usize;
        fn checksum(w: &EngineWorld, from: u64) -> u64;

        fn new_seed_style_world(npcs: usize) -> Result<UniquePtr<SeedStyleWorld>>;
        fn seed_style_frame(w: Pin<&mut SeedStyleWorld>) -> u64;
        fn seed_style_checksum(w: &SeedStyleWorld) -> u64;
        fn seed_style_tasks(w: &SeedStyleWorld) -> usize;

        fn game_engine_trace() -> Vec<String>;
    }
}
