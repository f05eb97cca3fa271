import type { ToolStrings } from '../../tool-strings.js';

/** Arabic strings of the host page's tools: loaded with their chunk, when an answer calls one. */
const strings: ToolStrings = {
  toolPreparing: 'قيد التحضير',
  toolWaiting: 'لم يُنفَّذ',
  toolAsking: 'بانتظار ردك',
  toolRunning: 'قيد التنفيذ',
  toolDone: 'تم',
  toolFailed: 'فشل',
  toolDenied: 'مرفوض',
  toolArguments: 'المعطيات',
  toolResult: 'النتيجة',
  toolError: 'خطأ',
  toolQuestion: 'هل تسمح للمساعد باستخدام «{name}» في هذه الصفحة؟',
  toolAllow: 'سماح',
  toolDeny: 'رفض',
};
export default strings;
