// RFC 6902 JSON Patch, as KubeVirt applies the `patches` of a VirtualMachineClone or
// VirtualMachineRestore (each a JSON string of one operation, or of a list of operations) to the
// target VM. Pure: returns a new document, throws JsonPatchError on an invalid patch.
import { isDeepStrictEqual } from 'node:util';

export class JsonPatchError extends Error {
  override readonly name = 'JsonPatchError';
}

export interface PatchOperation {
  readonly op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  readonly path: string;
  readonly value?: unknown;
  readonly from?: string;
}

/** Parses the patch strings of a clone or restore into operations. */
export function parsePatches(patches: readonly string[]): PatchOperation[] {
  const ops: PatchOperation[] = [];
  for (const text of patches) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new JsonPatchError(`patch is not JSON: ${text}`);
    }
    for (const op of Array.isArray(value) ? value : [value]) ops.push(checkOp(op, text));
  }
  return ops;
}

function checkOp(op: unknown, text: string): PatchOperation {
  if (op === null || typeof op !== 'object') throw new JsonPatchError(`patch is not an operation object: ${text}`);
  const o = op as Record<string, unknown>;
  if (!['add', 'remove', 'replace', 'move', 'copy', 'test'].includes(String(o.op)))
    throw new JsonPatchError(`unknown patch op "${String(o.op)}": ${text}`);
  if (typeof o.path !== 'string') throw new JsonPatchError(`patch without a path: ${text}`);
  if ((o.op === 'move' || o.op === 'copy') && typeof o.from !== 'string')
    throw new JsonPatchError(`${o.op} without from: ${text}`);
  if ((o.op === 'add' || o.op === 'replace' || o.op === 'test') && !('value' in o))
    throw new JsonPatchError(`${o.op} without value: ${text}`);
  return o as unknown as PatchOperation;
}

/** Applies `ops` to a copy of `doc`. */
export function applyPatch<T>(doc: T, ops: readonly PatchOperation[]): T {
  let root: unknown = structuredClone(doc);
  for (const op of ops) root = applyOne(root, op);
  return root as T;
}

function applyOne(root: unknown, op: PatchOperation): unknown {
  switch (op.op) {
    case 'add':
      return add(root, op.path, structuredClone(op.value));
    case 'remove':
      return remove(root, op.path).root;
    case 'replace': {
      // json-patch v4 (the library KubeVirt's restore uses, vendor/gopkg.in/evanphx/json-patch.v4
      // patch.go replace): a missing key of an existing object is added; a missing parent or an
      // array index out of range is an error.
      const { container, key } = parent(root, op.path);
      if (!Array.isArray(container) && !Object.hasOwn(container, key))
        return add(root, op.path, structuredClone(op.value));
      return add(remove(root, op.path).root, op.path, structuredClone(op.value));
    }
    case 'move': {
      if (op.path.startsWith(`${op.from ?? ''}/`)) throw new JsonPatchError(`cannot move ${op.from ?? ''} into itself`);
      const removed = remove(root, op.from ?? '');
      return add(removed.root, op.path, removed.value);
    }
    case 'copy':
      return add(root, op.path, structuredClone(get(root, op.from ?? '')));
    case 'test':
      if (!isDeepStrictEqual(get(root, op.path), op.value)) throw new JsonPatchError(`test failed at ${op.path}`);
      return root;
  }
}

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  return v !== null && typeof v === 'object';
}

function parent(root: unknown, pointer: string): { container: Record<string, unknown> | unknown[]; key: string } {
  const t = tokens(pointer);
  const key = t.pop();
  if (key === undefined) throw new JsonPatchError('the whole document cannot be the target here');
  let cur: unknown = root;
  for (const part of t) {
    cur = child(cur, part, pointer);
  }
  if (!isContainer(cur)) throw new JsonPatchError(`path ${pointer}: parent is not an object or array`);
  return { container: cur, key };
}

function child(cur: unknown, part: string, pointer: string): unknown {
  if (Array.isArray(cur)) {
    const i = index(part, cur.length - 1, pointer);
    return cur[i];
  }
  if (isContainer(cur) && !Array.isArray(cur) && Object.hasOwn(cur, part)) return cur[part];
  throw new JsonPatchError(`path ${pointer} does not exist`);
}

function index(part: string, max: number, pointer: string): number {
  if (!/^(0|[1-9]\d*)$/.test(part)) throw new JsonPatchError(`path ${pointer}: "${part}" is not an array index`);
  const i = Number(part);
  if (i > max) throw new JsonPatchError(`path ${pointer}: index ${i} out of range`);
  return i;
}

function get(root: unknown, pointer: string): unknown {
  let cur = root;
  for (const part of tokens(pointer)) cur = child(cur, part, pointer);
  return cur;
}

function add(root: unknown, pointer: string, value: unknown): unknown {
  if (pointer === '') return value;
  const { container, key } = parent(root, pointer);
  if (Array.isArray(container)) {
    if (key === '-') container.push(value);
    else container.splice(index(key, container.length, pointer), 0, value);
  } else {
    container[key] = value;
  }
  return root;
}

function remove(root: unknown, pointer: string): { root: unknown; value: unknown } {
  if (pointer === '') return { root: undefined, value: root };
  const { container, key } = parent(root, pointer);
  if (Array.isArray(container)) {
    const i = index(key, container.length - 1, pointer);
    const [value] = container.splice(i, 1);
    return { root, value };
  }
  if (!Object.hasOwn(container, key)) throw new JsonPatchError(`path ${pointer} does not exist`);
  const value = container[key];
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
  delete container[key];
  return { root, value };
}

/** Escapes a key for a JSON pointer (`/` → `~1`, `~` → `~0`). */
export function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
