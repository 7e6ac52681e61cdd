//! Guards around decoders: size limits before allocating, `catch_unwind` around Rust decoders.

use crate::{CodecError, Result, MAX_DECODE_PIXELS, MAX_DECODE_SIDE};

/// Runs a decoder, turning a panic into [`CodecError::Decode`]. The panic hook's report is
/// silenced for panics of this thread while `f` runs (a contained panic is an error value,
/// not a message on stderr); other threads' panics and later ones report as before.
pub(crate) fn catch<T>(codec: &'static str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let r = quiet_panics(|| std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
    match r {
        Ok(r) => r,
        Err(_) => Err(CodecError::dec(codec, "decoder panicked on corrupt input")),
    }
}

thread_local! {
    /// Whether this thread's panics are currently contained (and not to be reported).
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with this thread's panic reports silenced, restoring the previous state after.
/// The first call wraps the process' panic hook once: the wrapper skips the report when the
/// panicking thread is inside `quiet_panics`, and calls the previous hook otherwise.
pub(crate) fn quiet_panics<T>(f: impl FnOnce() -> T) -> T {
    static WRAP: std::sync::Once = std::sync::Once::new();
    WRAP.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                prev(info)
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let out = f();
    QUIET.with(|q| q.set(was));
    out
}

/// Checks decoded dimensions against [`MAX_DECODE_SIDE`] / [`MAX_DECODE_PIXELS`] and the 2×2 minimum.
pub(crate) fn check_dims(codec: &'static str, w: usize, h: usize) -> Result<()> {
    if w < 2
        || h < 2
        || w > MAX_DECODE_SIDE
        || h > MAX_DECODE_SIDE
        || w.saturating_mul(h) > MAX_DECODE_PIXELS
    {
        return Err(CodecError::dec(
            codec,
            format!(
                "image size {w}x{h} out of range (2x2 up to {MAX_DECODE_PIXELS} pixels, \
                 {MAX_DECODE_SIDE} per side)"
            ),
        ));
    }
    Ok(())
}

/// Wall-clock limit of an isolated decode (a decoder that hangs is killed after it).
pub(crate) const ISOLATED_TIMEOUT_MS: i32 = 20_000;

/// Runs a decoder that may abort the process (e.g. a panic inside an `extern "C"` function,
/// which Rust turns into an abort) in a forked child process, with a time limit. The child
/// sends back the 8-bit interleaved image through a pipe; a crash, a kill or a timeout
/// becomes [`CodecError::Decode`]. glibc's `fork` keeps `malloc` usable in the child.
#[cfg(target_os = "linux")]
pub(crate) fn isolated(
    codec: &'static str,
    f: impl FnOnce() -> Result<semcom_core::Image>,
) -> Result<semcom_core::Image> {
    let mut fds = [0i32; 2];
    // SAFETY: plain POSIX calls; the child only runs `f`, writes to the pipe and `_exit`s.
    unsafe {
        if libc::pipe(fds.as_mut_ptr()) != 0 {
            return Err(CodecError::dec(codec, "pipe failed"));
        }
        let pid = libc::fork();
        if pid < 0 {
            libc::close(fds[0]);
            libc::close(fds[1]);
            return Err(CodecError::dec(codec, "fork failed"));
        }
        if pid == 0 {
            libc::close(fds[0]);
            // The child reports only through the pipe: a panic (or the abort of a panic in an
            // `extern "C"` frame, with its backtrace) must not print on the user's terminal.
            std::panic::set_hook(Box::new(|_| {}));
            let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
            if null >= 0 {
                libc::dup2(null, 2);
            }
            let msg = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
                Ok(Ok(img)) => encode_image(&img),
                Ok(Err(e)) => [vec![0u8], e.to_string().into_bytes()].concat(),
                Err(_) => b"\0decoder panicked".to_vec(),
            };
            let mut off = 0;
            while off < msg.len() {
                let n = libc::write(
                    fds[1],
                    msg[off..].as_ptr() as *const libc::c_void,
                    msg.len() - off,
                );
                if n <= 0 {
                    break;
                }
                off += n as usize;
            }
            libc::_exit(0);
        }
        libc::close(fds[1]);
        let out = read_with_deadline(fds[0], ISOLATED_TIMEOUT_MS);
        libc::close(fds[0]);
        let mut status = 0;
        if out.is_none() {
            libc::kill(pid, libc::SIGKILL);
        }
        libc::waitpid(pid, &mut status, 0);
        let out = out.ok_or_else(|| CodecError::dec(codec, "decoder timed out"))?;
        if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
            return Err(CodecError::dec(codec, "decoder crashed on corrupt input"));
        }
        decode_image(codec, &out)
    }
}

/// Non-Linux targets run the decoder in-process (panics are still caught).
#[cfg(not(target_os = "linux"))]
pub(crate) fn isolated(
    codec: &'static str,
    f: impl FnOnce() -> Result<semcom_core::Image>,
) -> Result<semcom_core::Image> {
    catch(codec, f)
}

#[cfg(target_os = "linux")]
fn read_with_deadline(fd: i32, timeout_ms: i32) -> Option<Vec<u8>> {
    let start = std::time::Instant::now();
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let left = timeout_ms - start.elapsed().as_millis() as i32;
        if left <= 0 {
            return None;
        }
        let mut p = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: `p` is a valid pollfd and `buf` a valid buffer of its length.
        let r = unsafe { libc::poll(&mut p, 1, left) };
        if r < 0 {
            continue;
        }
        if r == 0 {
            return None;
        }
        let n = unsafe { libc::read(fd, buf.as_mut_ptr() as *mut libc::c_void, buf.len()) };
        if n <= 0 {
            return Some(out);
        }
        out.extend_from_slice(&buf[..n as usize]);
    }
}

/// `[1][w u32][h u32][c u8][pixels…]` (8-bit interleaved).
#[cfg(target_os = "linux")]
fn encode_image(img: &semcom_core::Image) -> Vec<u8> {
    let mut v = vec![1u8];
    v.extend_from_slice(&(img.width() as u32).to_le_bytes());
    v.extend_from_slice(&(img.height() as u32).to_le_bytes());
    v.push(img.channels() as u8);
    v.extend_from_slice(&img.to_interleaved_u8());
    v
}

#[cfg(target_os = "linux")]
fn decode_image(codec: &'static str, b: &[u8]) -> Result<semcom_core::Image> {
    match b.first() {
        Some(1) if b.len() >= 10 => {
            let w = u32::from_le_bytes([b[1], b[2], b[3], b[4]]) as usize;
            let h = u32::from_le_bytes([b[5], b[6], b[7], b[8]]) as usize;
            let c = b[9] as usize;
            Ok(semcom_core::Image::from_interleaved_u8(w, h, c, &b[10..])?)
        }
        Some(0) => Err(CodecError::dec(
            codec,
            String::from_utf8_lossy(&b[1..]).into_owned(),
        )),
        _ => Err(CodecError::dec(codec, "decoder crashed on corrupt input")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Contained decoder panics are errors and print nothing: not in-process (`catch`), not
    /// in the forked child (`isolated`), not even for a panic that aborts the child from an
    /// `extern "C"` frame. Runs itself as a subprocess to see its stderr.
    #[test]
    fn contained_panics_print_nothing() {
        if std::env::var_os("SEMCOM_GUARD_CHILD").is_some() {
            let r = catch("test", || -> Result<()> { panic!("boom-in-catch") });
            assert!(matches!(r, Err(CodecError::Decode { .. })));
            assert!(!QUIET.with(|q| q.get()), "quiet flag not restored");
            #[cfg(target_os = "linux")]
            {
                let r = isolated("test", || panic!("boom-in-child"));
                assert!(r.is_err());
                extern "C" fn no_unwind() {
                    panic!("boom-nounwind");
                }
                let r = isolated("test", || {
                    no_unwind();
                    Err(CodecError::dec("test", "unreachable"))
                });
                assert!(r.is_err());
            }
            return;
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "guard::tests::contained_panics_print_nothing",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("SEMCOM_GUARD_CHILD", "1")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        assert!(!err.contains("boom"), "panic text leaked: {err}");
    }
}
