import type { CommandModule } from 'yargs';
import { echoCommand } from './echo.js';
import { clientCommand } from './client.js';
import { proxyCommand } from './proxy.js';
import { bisectCommand } from './bisect.js';
import { demoCommand } from './demo.js';
import { chainCommand } from './chain.js';
import { probeCommand } from './probe.js';
import { faultCommand } from './fault.js';
import { watchCommand } from './watch.js';

// Explicit list (not commandDir): it sees .ts sources and stays lazy.
export const commands = [echoCommand, clientCommand, proxyCommand, chainCommand, bisectCommand, probeCommand, watchCommand, faultCommand, demoCommand] as unknown as CommandModule[];
