export function ensureServices(options?: { log?: (line: string) => void }): Promise<void>;
