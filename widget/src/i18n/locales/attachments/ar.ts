import type { AttachmentStrings } from '../../attachment-strings.js';

/** Arabic strings of attachments and voice: loaded with their chunk, on first use. */
const strings: AttachmentStrings = {
  recording: 'جارٍ التسجيل',
  stopRecording: 'إيقاف التسجيل',
  cancelRecording: 'إلغاء التسجيل',
  remove: 'إزالة {name}',
  uploading: 'جارٍ رفع {name}',
  play: 'تشغيل الرسالة الصوتية',
  noMic: 'الميكروفون غير متاح.',
  tooLarge: 'الملف كبير جدًا: {n} كحد أقصى لكل ملف.',
  typeNotAllowed: 'لا يمكن إرفاق هذا النوع من الملفات.',
  typeMismatch: 'اسم الملف لا يطابق محتواه.',
  activeContent: 'لا يمكن إرفاق ملفات قد تحمل نصوصًا برمجية (HTML وSVG وXML).',
  encrypted: 'ملف PDF محمي بكلمة مرور.',
  noText: 'لم يُعثر على نص في الملف (صورة ممسوحة؟).',
  unreadable: 'تعذّرت قراءة الملف.',
  tooManyPages: 'ملف PDF يحتوي على صفحات كثيرة جدًا.',
  quotaExceeded: 'امتلأت مساحة ملفاتك.',
  tooManyFiles: '{n} ملفات كحد أقصى لكل رسالة.',
  notSupported: 'هذا المساعد لا يستطيع قراءة الصور.',
  transcriptionFailed: 'تعذّر تحويل الرسالة الصوتية إلى نص.',
  uploadFailed: 'تعذّر رفع الملف.',
};
export default strings;
