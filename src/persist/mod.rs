//! Persistence: the on-disk formats Redis uses (RDB now; AOF later), as pure codecs that know
//! nothing of the store, sockets or the clock.

pub mod rdb;
