import { startEmbeddedDatabase, type EmbeddedDatabase } from '../db/embedded.js';
import { createSequelize } from '../db/connection.js';
import { createMigrator } from '../db/migrator.js';
import { env } from '../env.js';

// `npm run migrate -- up | down [--to 0] | pending | executed | create --name x`
// on DATABASE_URL_DIRECT, else DATABASE_URL, else the embedded database in DATA_DIR.
const config = env();
let embedded: EmbeddedDatabase | undefined;
const command = process.argv[2];
const needsDatabase = command !== undefined && !['create', '--help', '-h'].includes(command);
let url = config.databaseUrlDirect ?? config.databaseUrl;
if (!url && needsDatabase) {
  embedded = await startEmbeddedDatabase({ dataDir: config.dataDir });
  url = embedded.url;
}
const sequelize = createSequelize({
  url: url ?? 'postgres://unused@127.0.0.1/unused',
  ssl: config.databaseSsl,
  sslCa: config.databaseSslCa,
  poolMax: 2,
  withModels: false,
  applicationName: 'todo-api-migrate',
});
try {
  await createMigrator(sequelize).runAsCLI();
} finally {
  await sequelize.close();
  await embedded?.stop();
}
