export type BuiltMain = { main: string; preload: string; worker: string };
export function buildMain(options?: { outDir?: string; minify?: boolean }): Promise<BuiltMain>;
