// The part of jstat (MIT, CommonJS, no bundled types) this package uses. Imported as the default
// export: Node's ESM loader cannot see the named exports of this CommonJS module.
declare module 'jstat' {
  const jstat: {
    jStat: {
      studentt: { inv(p: number, dof: number): number; cdf(x: number, dof: number): number };
      normal: { inv(p: number, mean: number, std: number): number };
      spearmancoeff(a: number[], b: number[]): number;
    };
  };
  export default jstat;
}
