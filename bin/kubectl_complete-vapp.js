#!/usr/bin/env node
// `kubectl_complete-vapp`: kubectl (1.26+) runs it with the words typed after `kubectl vapp` to
// complete them; it is `kubectl-vapp __complete WORDS...` (cobra's completion protocol).
process.argv.splice(2, 0, '__complete');
await import('./kubectl-vapp.js');
