import type { ToolStrings } from '../../tool-strings.js';

/** Japanese strings of the host page's tools: loaded with their chunk, when an answer calls one. */
const strings: ToolStrings = {
  toolPreparing: '準備中',
  toolWaiting: '未実行',
  toolAsking: '回答を待っています',
  toolRunning: '実行中',
  toolDone: '完了',
  toolFailed: '失敗',
  toolDenied: '拒否',
  toolArguments: '引数',
  toolResult: '結果',
  toolError: 'エラー',
  toolQuestion: 'アシスタントにこのページで「{name}」の使用を許可しますか？',
  toolAllow: '許可',
  toolDeny: '拒否',
};
export default strings;
