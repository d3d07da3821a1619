// Runs the Argo CD health scripts (Lua) on objects as the operator writes them, in a Lua VM.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fengari from 'fengari';
import { parse } from 'yaml';

const { lua, lauxlib, lualib, to_luastring: toLuaString } = fengari;
const dir = new URL('../../../config/argocd/', import.meta.url);
const scripts = {
  VirtualAppliance: readFileSync(new URL('virtualappliance-health.lua', dir), 'utf8'),
  MaintenancePlan: readFileSync(new URL('maintenanceplan-health.lua', dir), 'utf8'),
};

/** A Lua table constructor for a JSON value. */
function toLua(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `{${value.map(toLua).join(', ')}}`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `[${JSON.stringify(k)}] = ${toLua(v)}`)
    .join(', ')}}`;
}

function health(kind: keyof typeof scripts, obj: unknown): { status: string; message: string } {
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  const program = `obj = ${toLua(obj)}\nlocal function check()\n${scripts[kind]}\nend\nlocal hs = check()\nreturn hs.status .. "\\n" .. (hs.message or "")`;
  if (lauxlib.luaL_dostring(L, toLuaString(program)) !== lua.LUA_OK) throw new Error(lua.lua_tojsstring(L, -1));
  const [status = '', message = ''] = lua.lua_tojsstring(L, -1).split('\n');
  return { status, message };
}

const condition = (type: string, status: string, message = '') => ({ type, status, reason: 'R', message });

describe('Argo CD health checks', () => {
  it('VirtualAppliance: Healthy when Ready, Degraded when Stalled, Progressing otherwise', () => {
    const meta = { name: 'shop', generation: 2 };
    assert.equal(health('VirtualAppliance', { metadata: meta }).status, 'Progressing');
    assert.deepEqual(
      health('VirtualAppliance', {
        metadata: meta,
        status: { observedGeneration: 2, conditions: [condition('Ready', 'True', '3/3 members ready')] },
      }),
      { status: 'Healthy', message: '3/3 members ready' },
    );
    assert.deepEqual(
      health('VirtualAppliance', {
        metadata: meta,
        status: {
          observedGeneration: 2,
          conditions: [condition('Ready', 'False'), condition('Stalled', 'True', 'VirtualMachine shop-db not found')],
        },
      }),
      { status: 'Degraded', message: 'VirtualMachine shop-db not found' },
    );
    assert.equal(
      health('VirtualAppliance', {
        metadata: meta,
        status: { observedGeneration: 1, conditions: [condition('Ready', 'True')] },
      }).status,
      'Progressing',
    );
  });

  it('MaintenancePlan: waiting for a person or the window is Suspended, not Degraded', () => {
    const plan = (phase: string, spec: Record<string, unknown> = {}) =>
      health('MaintenancePlan', { metadata: { name: 'p' }, spec, status: { phase } });
    assert.equal(plan('Succeeded').status, 'Healthy');
    assert.equal(plan('Failed').status, 'Degraded');
    assert.equal(plan('RolledBack').status, 'Degraded');
    assert.equal(plan('AwaitingApproval').status, 'Suspended');
    assert.equal(plan('WaitingForWindow').status, 'Suspended');
    assert.equal(plan('Cloning', { suspend: true }).status, 'Suspended');
    assert.equal(plan('Syncing').status, 'Progressing');
    assert.equal(health('MaintenancePlan', { metadata: { name: 'p' } }).status, 'Progressing');
  });

  it('the argocd-cm patch carries exactly these scripts', () => {
    const patch = parse(readFileSync(new URL('argocd-cm-patch.yaml', dir), 'utf8')) as { data: Record<string, string> };
    assert.equal(patch.data['resource.customizations.health.vapp.dev_VirtualAppliance'], scripts.VirtualAppliance);
    assert.equal(patch.data['resource.customizations.health.vapp.dev_MaintenancePlan'], scripts.MaintenancePlan);
  });
});
