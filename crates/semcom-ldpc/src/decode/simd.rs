//! Instruction-set paths of the vectorised decoder kernels and their run-time selection: the
//! best path the CPU supports, capped by the environment variable `SEMCOM_SIMD`
//! (`avx512`, `avx2` or `scalar`), so that one machine can run every lower path.

use std::sync::OnceLock;

/// An instruction-set path of the decoder kernels. All paths give bit-identical results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SimdPath {
    /// Plain Rust on fixed-size arrays, no intrinsics (the compiler may still use the target's
    /// baseline vector unit: SSE2 on x86-64, NEON on aarch64).
    Scalar,
    /// x86-64 AVX2 intrinsics (256-bit: 16 i16 or 8 f32 lanes).
    Avx2,
    /// x86-64 AVX-512 F/BW intrinsics (512-bit: 32 i16 or 16 f32 lanes).
    Avx512,
}

/// Name of the environment variable that caps the selected path.
pub const SIMD_ENV: &str = "SEMCOM_SIMD";

impl SimdPath {
    /// All paths, lowest first.
    pub const ALL: [SimdPath; 3] = [SimdPath::Scalar, SimdPath::Avx2, SimdPath::Avx512];

    /// Whether this CPU can run the path.
    pub fn is_supported(self) -> bool {
        match self {
            SimdPath::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            SimdPath::Avx2 => {
                std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "x86_64")]
            SimdPath::Avx512 => {
                std::is_x86_feature_detected!("avx512f")
                    && std::is_x86_feature_detected!("avx512bw")
                    && std::is_x86_feature_detected!("avx512vl")
                    && SimdPath::Avx2.is_supported()
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The best supported path (ignoring `SEMCOM_SIMD`).
    pub fn best() -> SimdPath {
        Self::ALL
            .into_iter()
            .rev()
            .find(|p| p.is_supported())
            .unwrap_or(SimdPath::Scalar)
    }

    /// The path the decoders use: the best supported one, capped by `SEMCOM_SIMD` when it
    /// names a path (an unknown value or a path above the CPU's is ignored, i.e. capped at the
    /// best supported). Read once per process.
    pub fn active() -> SimdPath {
        static ACTIVE: OnceLock<SimdPath> = OnceLock::new();
        *ACTIVE.get_or_init(|| {
            let best = Self::best();
            std::env::var(SIMD_ENV)
                .ok()
                .and_then(|v| v.parse::<SimdPath>().ok())
                .map_or(best, |cap| cap.min(best))
        })
    }

    /// Lower-case name (`scalar`, `avx2`, `avx512`), as accepted by `SEMCOM_SIMD`.
    pub fn name(self) -> &'static str {
        match self {
            SimdPath::Scalar => "scalar",
            SimdPath::Avx2 => "avx2",
            SimdPath::Avx512 => "avx512",
        }
    }
}

impl std::fmt::Display for SimdPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for SimdPath {
    type Err = crate::LdpcError;
    /// Parses `scalar`, `avx2`, `avx512` (case-insensitive; `avx-512`, `avx512bw` also accepted).
    fn from_str(s: &str) -> crate::Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "scalar" | "portable" | "none" => Ok(SimdPath::Scalar),
            "avx2" => Ok(SimdPath::Avx2),
            "avx512" | "avx-512" | "avx512bw" => Ok(SimdPath::Avx512),
            _ => Err(crate::LdpcError::Parse {
                name: s.into(),
                msg: "known SIMD paths: avx512, avx2, scalar".into(),
            }),
        }
    }
}
