/** The server facts that a Postgres benchmark must state next to its figures. */
import os from 'node:os';
import pg from 'pg';

export interface MachineInfo {
  cpuCount: number;
  cpuModel: string;
  memoryGiB: number;
  loadAverage: readonly number[];
  node: string;
  postgres: string;
  settings: Record<string, string>;
}

const SETTINGS = [
  'synchronous_commit',
  'fsync',
  'wal_sync_method',
  'commit_delay',
  'full_page_writes',
  'shared_buffers',
  'max_connections',
  'wal_level',
] as const;

export async function describeMachine(connectionString: string): Promise<MachineInfo> {
  const client = new pg.Client({ connectionString, application_name: 'chorus-bench-info' });
  await client.connect();
  try {
    const version = await client.query<{ version: string }>("select current_setting('server_version') as version");
    const rows = await client.query<{ name: string; setting: string }>(
      'select name, current_setting(name) as setting from unnest($1::text[]) as name',
      [SETTINGS],
    );
    return {
      cpuCount: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
      node: process.version,
      postgres: version.rows[0]?.version ?? 'unknown',
      settings: Object.fromEntries(rows.rows.map((row) => [row.name, row.setting])),
    };
  } finally {
    await client.end();
  }
}
