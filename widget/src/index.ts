/**
 * npm entry: `import '@pulse/widget'` registers `<pulse-chat>`; the panel is a separate chunk
 * that the host's bundler splits out and loads on first open.
 */
import { definePulseChat } from './components/pulse-chat/define.js';
import { setPanelLoader } from './components/pulse-chat/pulse-chat.js';

setPanelLoader(() => import('./components/pulse-chat-panel/define.js'));
definePulseChat();

export { definePulseChat } from './components/pulse-chat/define.js';
export { PulseChat, setPanelLoader } from './components/pulse-chat/pulse-chat.js';
export type { PulseChatOptions, TokenProvider } from './components/pulse-chat/pulse-chat.js';
export { createGlobalApi, type PulseChatApi } from './global-api.js';
export type { PulseStrings } from './i18n/strings.js';
export type { PulseTool, ToolDefinition } from './tools/registry.js';
export type * from './events.js';
export type { Session, Message } from './api/types.js';
