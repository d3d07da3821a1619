// The small part of fengari (a Lua VM in JS) the Argo CD health test uses.
declare module 'fengari' {
  type LuaState = object;
  const fengari: {
    lua: { LUA_OK: number; lua_tojsstring: (L: LuaState, index: number) => string };
    lauxlib: { luaL_newstate: () => LuaState; luaL_dostring: (L: LuaState, code: Uint8Array) => number };
    lualib: { luaL_openlibs: (L: LuaState) => void };
    to_luastring: (s: string) => Uint8Array;
  };
  export default fengari;
}
