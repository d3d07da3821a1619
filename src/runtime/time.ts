// metav1.Time on the wire: RFC 3339 with seconds precision (the API server drops fractions).

/** `2026-12-01T22:55:06Z` for a Date. */
export function metav1Time(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
