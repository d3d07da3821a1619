// Failpoints for crash tests, after etcd's gofail: VAPP_FAILPOINTS=name[,name] makes the process
// kill itself with SIGKILL when it reaches a named point, so that a test can crash the operator at
// an exact instant (between two Service patches, say) that no signal from outside hits reliably.
// Unset in production, where a failpoint costs one Set lookup.

const armed = new Set(
  (process.env.VAPP_FAILPOINTS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
);

/** Dies here, as abruptly as a lost node, when the failpoint `name` is armed. */
export function failpoint(name: string): void {
  if (armed.has(name)) process.kill(process.pid, 'SIGKILL');
}
