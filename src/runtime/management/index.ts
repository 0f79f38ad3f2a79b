export { CommandError, flag, stringList, stringOption, type Command, type OptionSpec, type ParsedArgs } from './base.js';
export { executeFromCommandLine, reportCommandError, type ExecuteOptions } from './execute.js';
export { loadApplication } from './app-spec.js';
export { COMMANDS } from './commands/index.js';
