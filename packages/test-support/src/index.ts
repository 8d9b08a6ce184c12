/**
 * `@authbus/test-support`: what the black-box, fault, attack and browser suites share (the local
 * stack on free ports, HTTP helpers, the MongoDB and Redis the run found, Chromium, the reliability
 * report). Private to this repository; what users of `@authbus/common` need is in
 * `@authbus/common/testing`.
 */
export { ARTIFACTS, writeArtifact } from './artifacts';
export { nextAuthHeartbeat, outboxBacklog, storedSessionRevocations } from './auth-probes';
export { startAuthBehindProxy } from './auth-behind-proxy';
export type { AuthBehindProxy } from './auth-behind-proxy';
export { CHROMIUM, launchChromium, screenshot } from './browser';
export { openEventStream } from './event-stream';
export type { EventStream, ReceivedEvent } from './event-stream';
export { findTestRedis } from './find-redis';
export { LoopbackClient, statusCounts, everyRefusalSaysWhen } from './loopback-client';
export type { JsonReply } from './loopback-client';
export { testMongoUri, describeMongo, mongoUriFor } from './mongo';
export { pipelinedPosts } from './pipelined-posts';
export { REVOCATION_ANSWERS, revocationAnswer } from './revocation-answer';
export type { PipelinedOptions } from './pipelined-posts';
export { testRedisUrl, describeRedis } from './redis';
export {
  EXPECTED_SCENARIOS,
  RUN_REPORT,
  recordReliability,
  buildReliabilityReport,
  writeRunReport,
} from './reliability-report';
export type { ReliabilityRow } from './reliability-report';
export {
  startTestStack,
  call,
  acceptedBy,
  ticketsVerdict,
  logLinesOf,
  natsServerOf,
  metric,
  signupUser,
  inParallel,
} from './stack';
