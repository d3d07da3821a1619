// The reaper of one control plane server: `node reaper.ts <parent pid> <server pid>`. A Node process
// that is SIGKILLed (a test runner stopped hard, a crash) runs no exit handler, so its servers would
// run on; this small detached process kills the server once the parent is gone, and exits as soon as
// either is gone.
const [parent, server] = process.argv.slice(2).map(Number);

function alive(pid: number | undefined): boolean {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

setInterval(() => {
  if (!alive(server)) process.exit(0);
  if (!alive(parent)) {
    try {
      process.kill(server ?? 0, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    process.exit(0);
  }
}, 500);
