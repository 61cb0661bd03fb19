//! Deterministic ids, hashes and a small PRNG (no external randomness: runs are repeatable).

/// FNV-1a, 64 bit.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The splitmix64 finaliser: a good 64-bit mix.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A uniform number in [0, 1) from 64 random bits.
pub fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// A 24-hex Mongo-style id derived from `seed`.
pub fn object_id(seed: &str) -> String {
    let a = mix(fnv1a(seed.as_bytes()));
    let b = mix(a ^ 0x5151_5151);
    format!("{:016x}{:08x}", a, b as u32)
}

/// A UUID (version 4 layout) derived from `seed`.
pub fn uuid(seed: &str) -> String {
    let a = mix(fnv1a(seed.as_bytes()) ^ 0x7575_6964);
    let b = mix(a);
    let time_hi = (((a >> 16) & 0x0fff) as u16) | 0x4000;
    let clock = (((b >> 48) & 0x3fff) as u16) | 0x8000;
    format!("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", (a >> 32) as u32, a as u16, time_hi, clock, b & 0xffff_ffff_ffff)
}

/// A trace id for problem responses.
pub fn trace_id(counter: u64) -> String {
    format!("{:016x}{:016x}", mix(counter), mix(counter ^ 0x7472_6163_6500))
}
