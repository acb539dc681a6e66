export { parseAuthorizedKeys, startLab, type Lab, type LabHost, type LabOptions } from './start-lab.js';
export { collectedWith, prepareReplay, type ReplayOptions } from './prepare-replay.js';
export { writeShims, replayPath, LAB_BUNDLE_ENV, LAB_SUDO_ENV, LAB_STATE_ENV, LAB_FIXES_ENV, LAB_FIXES_NOOP_FILE, LAB_SERIES_INDEX_FILE } from './shims.js';
export { killProcessTree, processTree } from './kill-tree.js';
export { LabError } from './lab-errors.js';
export {
  answersSshBanner,
  freePort,
  keygen,
  sshdConnectionPids,
  sshdSessionPids,
  startSshd,
  waitForSshBanner,
  type SshdHandle,
  type SshdOptions,
} from './openssh-host.js';
