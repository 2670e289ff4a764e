import type { ProgressEvent } from './executor.js';
import type { Runner } from './runner.js';

/** Shared by up and down. */
export interface LifecycleOptions {
  runner?: Runner;
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent & { phase: 'create' | 'services' | 'rollback' | 'teardown' }) => void;
  stateDir?: string;
}
