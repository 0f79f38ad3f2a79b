import { defineAuthSuite } from './suite.js';

defineAuthSuite('mysql');
