// node-pg's own value conversion (pg/lib/utils.js), which its type declarations leave out.
declare module 'pg/lib/utils.js' {
  const utils: { prepareValue(value: unknown): unknown };
  export default utils;
}
