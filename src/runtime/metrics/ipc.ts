/** The messages metrics add between the primary and its workers (beside server/messages.ts's, which ignore them). */
import type { FamilySnapshot } from './registry.js';

/** Primary → worker: send your metrics now, answering with this id. */
export interface CollectRequest {
  tsgateMetrics: 'collect';
  id: number;
}

/** Worker → primary: its whole registry; `id` when answering a collect request. */
export interface SnapshotMessage {
  tsgateMetrics: 'snapshot';
  id?: number;
  families: FamilySnapshot[];
}

function tagged(message: unknown): message is { tsgateMetrics: unknown } {
  return typeof message === 'object' && message !== null && 'tsgateMetrics' in message;
}

export function isCollectRequest(message: unknown): message is CollectRequest {
  return tagged(message) && message.tsgateMetrics === 'collect' && typeof (message as { id?: unknown }).id === 'number';
}

export function isSnapshotMessage(message: unknown): message is SnapshotMessage {
  return tagged(message) && message.tsgateMetrics === 'snapshot' && Array.isArray((message as { families?: unknown }).families);
}
