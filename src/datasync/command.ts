// `vapp-operator datasync`: the command line of the delta sync worker.
import { readFile, writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CSI_CA_ENV } from './job.ts';
import { DatasyncError, describeIoError, exitStatusFor } from './errors.ts';
import { createProgressReporter, type ProgressMode } from './progress.ts';
import type { ByteRange } from './ranges.ts';
import type { DatasyncResult } from './summary.ts';
import { DEFAULT_BLOCK_SIZE, syncVolumes, type MutationStep, type Verification } from './sync.ts';
import { parseSize } from './units.ts';

/**
 * Test-only hook: when set to N, the worker stops before the N-th change to the target (resize,
 * write or fsync), says so on stderr and waits to be killed. Tests use it to kill a run at a chosen
 * point without sleeping.
 */
export const PAUSE_AT_STEP_ENV = 'VAPP_DATASYNC_TEST_PAUSE_AT_STEP';
export const PAUSED_MARKER = 'datasync-test: paused before step';

/** Said on stderr by a warm worker once it watches its go file. */
export const WAITING_MARKER = 'datasync: waiting for the go in';

/** Kubernetes keeps at most 4096 bytes of a termination message. */
const TERMINATION_MESSAGE_LIMIT = 4096;

interface DatasyncFlags {
  source: string;
  target: string;
  ranges?: string;
  blockSize: number;
  chunkSize?: number;
  verify?: boolean | string;
  waitForGo?: string;
  progress: ProgressMode;
  terminationLog?: string;
  csiAddress?: string;
  csiTokenFile?: string;
  csiNamespace?: string;
  csiBaseSnapshotId?: string;
  csiTargetSnapshot?: string;
}

function sizeArg(value: string): number {
  try {
    return parseSize(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

async function loadRanges(path: string): Promise<ByteRange[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw describeIoError(err, 'ranges', path, 'read');
  }
  try {
    const { parseRangesText } = await import('./ranges-file.ts');
    return parseRangesText(text);
  } catch (err) {
    if (err instanceof DatasyncError) throw new DatasyncError(err.code, `ranges file ${path}: ${err.message}`);
    throw err;
  }
}

function pauseHook(): ((step: MutationStep) => Promise<void>) | undefined {
  const raw = process.env[PAUSE_AT_STEP_ENV];
  if (raw === undefined || raw === '') return undefined;
  const at = Number(raw);
  return async (step) => {
    if (step.index !== at) return;
    process.stderr.write(`${PAUSED_MARKER} ${step.index} (${step.kind} offset=${step.offset} length=${step.length})\n`);
    await new Promise<never>(() => setInterval(() => undefined, 60_000));
  };
}

async function writeTerminationLog(path: string | undefined, result: DatasyncResult): Promise<void> {
  if (!path) return;
  let text = JSON.stringify(result);
  if (Buffer.byteLength(text) > TERMINATION_MESSAGE_LIMIT && !result.ok) {
    text = JSON.stringify({
      ok: false,
      error: { code: result.error.code, message: result.error.message.slice(0, 3000) },
    });
  }
  try {
    await writeFile(path, text);
  } catch (err) {
    process.stderr.write(`datasync: cannot write the termination log ${path}: ${(err as Error).message}\n`);
  }
}

async function run(flags: DatasyncFlags): Promise<void> {
  const reporter = createProgressReporter(flags.progress);
  let result: DatasyncResult;
  try {
    const ranges = flags.ranges === undefined ? undefined : await loadRanges(flags.ranges);
    if (flags.waitForGo !== undefined) {
      const { waitForGo } = await import('./go-signal.ts');
      process.stderr.write(`${WAITING_MARKER} ${flags.waitForGo}\n`);
      await waitForGo(flags.waitForGo);
    }
    const sync = {
      source: flags.source,
      target: flags.target,
      blockSize: flags.blockSize,
      chunkSize: flags.chunkSize,
      verify: verification(flags.verify),
      onProgress: reporter.update.bind(reporter),
      beforeMutation: pauseHook(),
    };
    if (flags.csiAddress !== undefined) {
      if (ranges !== undefined) throw new DatasyncError('USAGE', '--ranges and --csi-address exclude each other');
      const { syncFromChangedBlocks } = await import('./snapshot-metadata/sync-changed-blocks.ts');
      result = await syncFromChangedBlocks(sync, await csiDelta(flags, flags.csiAddress), (line) =>
        process.stderr.write(`${line}\n`),
      );
    } else {
      result = await syncVolumes({ ...sync, ranges });
    }
    reporter.finish();
  } catch (err) {
    reporter.finish();
    const code = err instanceof DatasyncError ? err.code : 'INTERNAL';
    const message = err instanceof Error ? err.message : String(err);
    result = { ok: false, error: { code, message } };
    process.stderr.write(`datasync: ${message}\n`);
    if (!(err instanceof DatasyncError) && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = exitStatusFor(code);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await writeTerminationLog(flags.terminationLog, result);
}

async function csiDelta(flags: DatasyncFlags, address: string) {
  const { tokenFile } = await import('./snapshot-metadata/client.ts');
  const missing = (['csiTokenFile', 'csiNamespace', 'csiBaseSnapshotId', 'csiTargetSnapshot'] as const).filter(
    (k) => flags[k] === undefined,
  );
  if (missing.length > 0)
    throw new DatasyncError('USAGE', `--csi-address needs ${missing.map((k) => `--${kebab(k)}`).join(', ')}`);
  const ca = process.env[CSI_CA_ENV];
  if (ca === undefined || ca === '') throw new DatasyncError('USAGE', `--csi-address needs the CA in $${CSI_CA_ENV}`);
  return {
    endpoint: { address, caCert: Buffer.from(ca, 'base64') },
    token: tokenFile(flags.csiTokenFile ?? ''),
    request: {
      namespace: flags.csiNamespace ?? '',
      baseSnapshotId: flags.csiBaseSnapshotId ?? '',
      targetSnapshotName: flags.csiTargetSnapshot ?? '',
    },
  };
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function verification(v: boolean | string | undefined): Verification {
  if (v === undefined || v === false) return 'none';
  if (v === true || v === 'full') return 'full';
  if (v === 'written') return 'written';
  throw new DatasyncError('USAGE', `--verify takes full or written, not ${v}`);
}

/** The `datasync` subcommand of the vapp-operator CLI. */
export function datasyncCommand(): Command {
  return new Command('datasync')
    .description(
      'Make --target (a replica equal to an older state) equal to --source (the newest snapshot) by writing only the blocks that differ. ' +
        'Works on regular files (disk.img) and block devices. Prints one JSON summary line on stdout; progress goes to stderr.',
    )
    .requiredOption(
      '--source <path>',
      'the newest snapshot of the original volume: an image file or a block device (read only)',
    )
    .requiredOption('--target <path>', 'the replica to update in place: an image file or a block device')
    .option(
      '--ranges <file>',
      'JSON list of changed byte ranges ([{"offset","length"}] or CSI GetMetadataDelta BlockMetadata): read and write only those (ranges mode)',
    )
    .option(
      '--block-size <size>',
      'compare/write granularity, e.g. 4096, 64Ki (k is 1000, Ki 1024)',
      sizeArg,
      DEFAULT_BLOCK_SIZE,
    )
    .option('--chunk-size <size>', 'read size per side (default: 1Mi in compare mode, 4Mi with --ranges)', sizeArg)
    .option(
      '--verify [what]',
      'after the sync: full (the default) re-reads both sides and compares their SHA-256; written re-reads only what was written',
    )
    .option(
      '--wait-for-go <file>',
      'start copying only once this file holds a value (a downwardAPI projection of an annotation on the Pod): a warm worker',
    )
    .option(
      '--csi-address <host:port>',
      'ranges from the Kubernetes SnapshotMetadata service at this address (spec.address of its SnapshotMetadataService; ' +
        `its spec.caCert in $${CSI_CA_ENV}); compares when the service cannot answer`,
    )
    .option('--csi-token-file <path>', 'the audience-scoped ServiceAccount token sent as security_token')
    .option('--csi-namespace <namespace>', 'the namespace of the target VolumeSnapshot')
    .option('--csi-base-snapshot-id <handle>', "the base: the earlier snapshot's VolumeSnapshotContent snapshotHandle")
    .option('--csi-target-snapshot <name>', 'the target VolumeSnapshot (the state --source holds)')
    .addOption(
      new Option('--progress <mode>', 'progress on stderr: a bar, JSON lines, or nothing')
        .choices(['auto', 'bar', 'json', 'none'])
        .default('auto'),
    )
    .option(
      '--termination-log <path>',
      'also write the JSON result to this file (a Kubernetes termination message path)',
    )
    .addHelpText(
      'after',
      '\nExit status: 0 when the target equals the source (fsynced); 2 on an error a retry cannot fix (missing or unreadable\n' +
        'source, read-only target, sizes, bad ranges file); 1 on other errors (I/O, verification). On error the JSON line\n' +
        'is {"ok":false,"error":{"code","message"}}.\n' +
        'Safe to re-run after a crash: a re-run converges to the source.\n\n' +
        'Examples:\n' +
        '  vapp-operator datasync --source /snap/disk.img --target /replica/disk.img --verify\n' +
        '  vapp-operator datasync --source /dev/vapp-source --target /dev/vapp-target --ranges delta.json\n',
    )
    .action(async (flags: DatasyncFlags) => {
      await run(flags);
    });
}
