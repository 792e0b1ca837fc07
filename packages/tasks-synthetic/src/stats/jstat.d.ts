// The part of jstat (MIT, no bundled types) this package uses.
declare module 'jstat' {
  export const jStat: {
    studentt: { inv(p: number, dof: number): number; cdf(x: number, dof: number): number };
    normal: { inv(p: number, mean: number, std: number): number };
  };
}
