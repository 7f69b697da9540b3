// The virtual module that build.mjs generates: it requires every `test/e2e/suite/*.test.ts` in name order.
declare module 'e2e-suites' {
  export function loadSuites(): void;
}
