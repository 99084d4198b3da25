//! The seed's game world: patrolling NPCs, attack cooldowns, typed dialogue and fading
//! particles, written as C++20 coroutines on `GameTimer`/`GameEngine` and run by
//! corobridge's executor.
//!
//! ```
//! use corobridge::ClockKind;
//! use corobridge_lab::game::{GameWorld, Vec3};
//! use std::time::Duration;
//!
//! let mut world = GameWorld::new(ClockKind::Virtual, 16, 16).unwrap();
//! let npc = world.create_npc(Vec3::default(), 1.0, &[Vec3 { x: 1.0, y: 0.0, z: 0.0 }]).unwrap();
//! world.start_attack_cooldown(npc, Duration::from_millis(100)).unwrap();
//! world.start().unwrap();
//! assert!(!world.can_attack(npc).unwrap());
//! for _ in 0..7 {
//!     world.frame().unwrap(); // 7 x 16 ms = 112 ms
//! }
//! assert!(world.can_attack(npc).unwrap());
//! ```

mod child;
mod report;
mod world;

use std::time::Duration;

use cxx::UniquePtr;

pub use self::child::run_in_child;
pub(crate) use self::report::u64_as_string;
pub use self::report::{Engine, GameConfig, GameReport, run_game};
use self::world::ffi;
pub use self::world::ffi::Vec3;
use corobridge::{ClockKind, Executor, RootId};

/// An entity in the world.
pub type EntityId = u32;
/// A particle in the world.
pub type ParticleId = u32;

/// A failure reported by the C++ game world (a bad id, an exhausted capacity).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GameError {
    /// The C++ side threw; its `what()`.
    #[error("game world: {0}")]
    World(String),
    /// A game run in a child process could not run or failed; its error output.
    #[error("game run {label}: {message}")]
    Child {
        /// Which run.
        label: String,
        /// Why it failed.
        message: String,
    },
}

impl From<cxx::Exception> for GameError {
    fn from(e: cxx::Exception) -> Self {
        GameError::World(e.what().to_owned())
    }
}

/// A game world whose C++ behaviours run on a `GameEngine` backed by its own corobridge
/// [`Executor`]. One [`frame`](GameWorld::frame) is one 16 ms engine update.
pub struct GameWorld {
    // Dropped first: destroys the behaviours before the world they point into.
    executor: Executor,
    world: UniquePtr<ffi::EngineWorld>,
}

impl std::fmt::Debug for GameWorld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GameWorld")
            .field("executor", &self.executor)
            .finish()
    }
}

impl GameWorld {
    /// A world with room for `entities` entities and `particles` particles.
    pub fn new(clock: ClockKind, entities: usize, particles: usize) -> Result<Self, GameError> {
        let executor = Executor::with_clock(clock);
        let world = ffi::new_engine_world(executor.raw_handle(), entities, particles)?;
        Ok(Self { executor, world })
    }

    /// The executor running the behaviours.
    pub fn executor(&self) -> &Executor {
        &self.executor
    }

    fn world_mut(&mut self) -> std::pin::Pin<&mut ffi::EngineWorld> {
        self.world.pin_mut()
    }

    /// Creates an NPC at `position` that patrols `route` (a closed loop) at `speed` units/s.
    pub fn create_npc(
        &mut self,
        position: Vec3,
        speed: f32,
        route: &[Vec3],
    ) -> Result<EntityId, GameError> {
        Ok(ffi::create_npc(self.world_mut(), position, speed, route)?)
    }

    /// Starts the seed's `npc_patrol_behavior` for `npc`.
    pub fn start_patrol(&mut self, npc: EntityId) -> Result<RootId, GameError> {
        Ok(RootId::from_raw(ffi::start_patrol(self.world_mut(), npc)?))
    }

    /// Starts the seed's `attack_cooldown`: `can_attack` is false for `cooldown`.
    pub fn start_attack_cooldown(
        &mut self,
        npc: EntityId,
        cooldown: Duration,
    ) -> Result<RootId, GameError> {
        let ms = i64::try_from(cooldown.as_millis()).unwrap_or(i64::MAX);
        Ok(RootId::from_raw(ffi::start_attack_cooldown(
            self.world_mut(),
            npc,
            ms,
        )?))
    }

    /// Starts the seed's `dialogue_sequence` for `npc`.
    pub fn start_dialogue(
        &mut self,
        npc: EntityId,
        lines: Vec<String>,
    ) -> Result<RootId, GameError> {
        Ok(RootId::from_raw(ffi::start_dialogue(
            self.world_mut(),
            npc,
            lines,
        )?))
    }

    /// Spawns a particle and starts the seed's `particle_lifetime` for it.
    pub fn spawn_particle(
        &mut self,
        position: Vec3,
        lifetime: Duration,
    ) -> Result<ParticleId, GameError> {
        Ok(ffi::spawn_particle(
            self.world_mut(),
            position,
            lifetime.as_secs_f32(),
        )?)
    }

    /// Creates `npcs` patrolling NPCs on a deterministic set of routes and starts them.
    pub fn populate(&mut self, npcs: usize) -> Result<(), GameError> {
        self.populate_shard(0, npcs)
    }

    /// Creates and starts NPCs `skip .. skip + npcs` of the population that
    /// [`populate`](GameWorld::populate) makes: a shard of it, for worlds split across
    /// threads (one world and executor per thread). Chained with
    /// [`checksum_after`](GameWorld::checksum_after), the shards digest like one world.
    ///
    /// ```
    /// use corobridge::ClockKind;
    /// use corobridge_lab::game::GameWorld;
    ///
    /// let mut whole = GameWorld::new(ClockKind::Virtual, 10, 0).unwrap();
    /// whole.populate(10).unwrap();
    /// let mut first = GameWorld::new(ClockKind::Virtual, 4, 0).unwrap();
    /// first.populate_shard(0, 4).unwrap();
    /// let mut second = GameWorld::new(ClockKind::Virtual, 6, 0).unwrap();
    /// second.populate_shard(4, 6).unwrap();
    /// for world in [&mut whole, &mut first, &mut second] {
    ///     world.start().unwrap();
    ///     for _ in 0..100 {
    ///         world.frame().unwrap();
    ///     }
    /// }
    /// assert_eq!(second.checksum_after(first.checksum()), whole.checksum());
    /// ```
    pub fn populate_shard(&mut self, skip: usize, npcs: usize) -> Result<(), GameError> {
        ffi::populate(self.world_mut(), skip, npcs)?;
        Ok(())
    }

    /// Destroys a running behaviour (its coroutine frame and timers).
    pub fn cancel(&mut self, behavior: RootId) -> bool {
        ffi::cancel_behavior(self.world_mut(), behavior.to_raw())
    }

    /// Presses or releases an input action (the seed's `Input::is_action_pressed`).
    pub fn set_action(&mut self, action: &str, pressed: bool) {
        ffi::set_action(self.world_mut(), action, pressed);
    }

    /// Stops (or resumes) an NPC's patrol loop after its current round.
    pub fn set_active(&mut self, npc: EntityId, active: bool) -> Result<(), GameError> {
        Ok(ffi::set_active(self.world_mut(), npc, active)?)
    }

    /// Runs what is ready now without moving time (starts newly spawned behaviours).
    pub fn start(&mut self) -> Result<u64, GameError> {
        Ok(self.executor.run_until_idle())
    }

    /// One engine update (16 ms of virtual time, or what is due on a real clock).
    /// Returns the resumes and polls it did.
    pub fn frame(&mut self) -> Result<u64, GameError> {
        Ok(ffi::frame(self.world_mut())?)
    }

    /// Where an NPC is.
    pub fn position(&self, npc: EntityId) -> Result<Vec3, GameError> {
        Ok(ffi::position(&self.world, npc)?)
    }

    /// How many waypoints an NPC has reached.
    pub fn waypoints_reached(&self, npc: EntityId) -> Result<u32, GameError> {
        Ok(ffi::waypoints_reached(&self.world, npc)?)
    }

    /// The world clock (the time of the latest frame).
    pub fn now(&self) -> Duration {
        Duration::from_nanos(u64::try_from(ffi::now_ns(&self.world)).unwrap_or(0))
    }

    /// Whether the NPC may attack (false during a cooldown).
    pub fn can_attack(&self, npc: EntityId) -> Result<bool, GameError> {
        Ok(ffi::can_attack(&self.world, npc)?)
    }

    /// The dialogue text typed so far.
    pub fn visible_text(&mut self, npc: EntityId) -> String {
        ffi::visible_text(self.world_mut(), npc)
    }

    /// Whether a dialogue is showing.
    pub fn is_displaying(&mut self, npc: EntityId) -> bool {
        ffi::is_displaying(self.world_mut(), npc)
    }

    /// A particle's alpha (1 = opaque).
    pub fn particle_alpha(&self, particle: ParticleId) -> Result<f32, GameError> {
        Ok(ffi::particle_alpha(&self.world, particle)?)
    }

    /// Whether a particle still exists.
    pub fn particle_alive(&self, particle: ParticleId) -> Result<bool, GameError> {
        Ok(ffi::particle_alive(&self.world, particle)?)
    }

    /// Particles still alive.
    pub fn alive_particles(&self) -> usize {
        ffi::alive_particles(&self.world)
    }

    /// Where every world digest starts (`world::checksum_basis` in C++: FNV-1a's offset
    /// basis): `checksum()` is `checksum_after(GameWorld::CHECKSUM_BASIS)`.
    pub const CHECKSUM_BASIS: u64 = 1_469_598_103_934_665_603;

    /// A digest of every position and progress counter, to compare two runs.
    pub fn checksum(&self) -> u64 {
        self.checksum_after(Self::CHECKSUM_BASIS)
    }

    /// The digest continued from `previous`, the digest of the shards before this one
    /// (see [`populate_shard`](GameWorld::populate_shard)).
    pub fn checksum_after(&self, previous: u64) -> u64 {
        ffi::checksum(&self.world, previous)
    }
}

/// The same patrolling NPCs on the seed-style baseline engine (a `std::priority_queue`
/// of coroutine handles, eager tasks, a sweep of finished tasks every update), for
/// comparison. It always runs on a virtual clock, 16 ms per frame.
pub struct SeedStyleWorld {
    world: UniquePtr<ffi::SeedStyleWorld>,
}

impl std::fmt::Debug for SeedStyleWorld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeedStyleWorld")
            .field("tasks", &self.tasks())
            .finish()
    }
}

impl SeedStyleWorld {
    /// Creates and starts `npcs` patrolling NPCs (the same routes as [`GameWorld::populate`]).
    pub fn new(npcs: usize) -> Result<Self, GameError> {
        Ok(Self {
            world: ffi::new_seed_style_world(npcs)?,
        })
    }

    /// One 16 ms frame; returns the resumes it did.
    pub fn frame(&mut self) -> u64 {
        ffi::seed_style_frame(self.world.pin_mut())
    }

    /// A digest comparable with [`GameWorld::checksum`].
    pub fn checksum(&self) -> u64 {
        ffi::seed_style_checksum(&self.world)
    }

    /// Tasks the engine still holds.
    pub fn tasks(&self) -> usize {
        ffi::seed_style_tasks(&self.world)
    }
}

/// Drives the C++ `GameEngine` API from C++ alone (an engine with its own virtual-clock
/// executor): a raw coroutine resumed through `schedule_resume`, a behaviour awaited to
/// its end, one cancelled while it waits and a registration cancelled before it fires.
/// Returns the trace of what happened when (`lab/cpp/game_engine_trace.cpp`).
pub fn game_engine_trace() -> Vec<String> {
    ffi::game_engine_trace()
}
