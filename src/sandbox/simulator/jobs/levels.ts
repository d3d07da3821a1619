// What a simulated update Job does to its VM: the vapp.dev/levels annotation (a JSON map of
// component → level) gets the new level of its component.
export function levelsWith(raw: string | undefined, component: string, level: string): string {
  let levels: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(raw ?? '{}');
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      levels = parsed as Record<string, unknown>;
  } catch {
    // a malformed annotation is replaced
  }
  return JSON.stringify({ ...levels, [component]: level });
}
