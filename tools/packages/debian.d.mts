export function ensureDebianPackages(commands: readonly string[], options?: { log?: (line: string) => void }): string[];
