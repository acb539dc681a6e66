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
export {
  queueSamples,
  SWEEP_SAMPLE_JOB,
  SWEEP_TICK_JOB,
  SweepSampleJobDataSchema,
  sweepQueueName,
  sweepSampleJobId,
  SweepScheduler,
  sweepSchedulerId,
  SweepTickJobDataSchema,
  startSweepWorker,
  type SweepSampleJobData,
  type SweepSchedulerOptions,
  type SweepTickJobData,
  type SweepWorkerOptions,
} from './sweep-queue.js';
export { createSweepProcessor, type SweepProcessorDeps } from './processors/sweep.processor.js';
