export { backendOf, runOperations, statesAlong } from './apply.js';
export { modelIndexes, type IndexDef } from './indexes.js';
export { applyToState, describeOperation, op, reversible, type Operation } from './operations.js';
export { canonical, modelState, plainSpec, primaryKey, ProjectState, sameSpec, StateError, type ModelState } from './state.js';
