import { defineAuthSuite } from './suite.js';

defineAuthSuite('postgres');
