export { loadConfigFile, camelCase, CONFIG_EXTENSIONS, type ConfigValues } from './config-file.js';
