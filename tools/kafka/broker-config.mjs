// The configuration of the test broker: one KRaft node (broker and controller) on loopback, its
// log4j2 settings, a cluster id, and the JVM to run it with.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const HOST = '127.0.0.1';

export function brokerConfig({ port, controllerPort, dataDir }) {
  const lines = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    listeners: `PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${HOST}:${port}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'controller.quorum.bootstrap.servers': `${HOST}:${controllerPort}`,
    'log.dirs': dataDir,
    // One partition, one replica everywhere, including the internal topics.
    'num.partitions': '1',
    'default.replication.factor': '1',
    'min.insync.replicas': '1',
    'offsets.topic.num.partitions': '1',
    'offsets.topic.replication.factor': '1',
    'transaction.state.log.num.partitions': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'share.coordinator.state.topic.num.partitions': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    'auto.create.topics.enable': 'true',
    'delete.topic.enable': 'true',
    'group.initial.rebalance.delay.ms': '0',
    // A test broker: few threads, quick shutdown.
    'num.network.threads': '2',
    'num.io.threads': '4',
    'num.recovery.threads.per.data.dir': '1',
  };
  return `# Written by tools/kafka/kafka.mjs\n${Object.entries(lines).map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
}

export const LOG4J2_PROPERTIES = `# Written by tools/kafka/kafka.mjs: everything to stdout, which goes to the log file.
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
`;

/** A Kafka Uuid (16 random bytes, base64url) that does not start with '-', which the CLI parser would read as an option. */
export function randomClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export function javaBinary() {
  const home = process.env.JAVA_HOME;
  const exe = process.platform === 'win32' ? 'java.exe' : 'java';
  if (home && fs.existsSync(path.join(home, 'bin', exe))) return path.join(home, 'bin', exe);
  return 'java';
}

export function javaHint(text) {
  return /UnsupportedClassVersionError/.test(text) ? ' (Kafka 4.x needs Java 17 or newer)' : '';
}
