//! placeholder
mod world;
