export * from './jobs.schema.js';
export * from './job-ids.js';
export { DiagnoseQueues, isRedisConnectionError, type DiagnoseQueuesOptions, type DiagnoseRequestInput, type EnqueueOutcome, type ZoneStatus } from './diagnose-queues.js';
export { QueueDownError, BadJobDataError } from './queue-errors.js';
export { createThrottle, type Throttle } from './throttle.js';
export { producerConnection, workerConnection } from './redis-connections.js';
export {
  createDiagnoseProcessor,
  postThread,
  type DiagnoseObserver,
  type DiagnoseProcessorDeps,
  type OfferPort,
  type RedactPort,
} from './processors/diagnose.processor.js';
export { createFleetProcessor, type FleetProcessorDeps } from './processors/fleet.processor.js';
export { startDiagnoseWorkers, type DiagnoseWorkerOptions, type DiagnoseWorkers } from './diagnose-worker.js';
export {
  REMEDIATE_JOB,
  REMEDIATE_QUEUE,
  remediateQueueName,
  RemediateJobDataSchema,
  RemediateQueue,
  remediateJobId,
  startRemediateWorker,
  type RemediateJobData,
  type RemediateQueueOptions,
  type RemediateWorkerOptions,
} from './remediate-queue.js';
export { createRemediateProcessor, type RemediateProcessorDeps } from './processors/remediate.processor.js';
