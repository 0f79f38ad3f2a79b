import { defineAuthSuite } from './suite.js';

defineAuthSuite('sqlite');
