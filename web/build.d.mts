export function buildWeb(outdir?: string): Promise<number>;
