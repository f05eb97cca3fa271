import type { AttachmentStrings } from '../../attachment-strings.js';

/** Japanese strings of attachments and voice: loaded with their chunk, on first use. */
const strings: AttachmentStrings = {
  recording: '録音中',
  stopRecording: '録音を停止',
  cancelRecording: '録音を取り消す',
  remove: '{name} を削除',
  uploading: '{name} をアップロード中',
  play: '音声メッセージを再生',
  noMic: 'マイクを使用できません。',
  tooLarge: 'サイズが大きすぎます（1 ファイル {n} まで）。',
  typeNotAllowed: 'この種類のファイルは添付できません。',
  typeMismatch: 'ファイル名と内容が一致しません。',
  activeContent: 'スクリプトを含みうるファイル（HTML、SVG、XML）は添付できません。',
  encrypted: 'PDF がパスワードで保護されています。',
  noText: 'ファイルにテキストが見つかりません（スキャン画像？）。',
  unreadable: 'ファイルを読み取れませんでした。',
  tooManyPages: 'PDF のページ数が多すぎます。',
  quotaExceeded: 'ファイルの保存容量がいっぱいです。',
  tooManyFiles: '1 メッセージに添付できるのは {n} 件までです。',
  notSupported: 'このアシスタントは画像を読めません。',
  transcriptionFailed: '音声メッセージを文字に起こせませんでした。',
  uploadFailed: 'ファイルをアップロードできませんでした。',
};
export default strings;
