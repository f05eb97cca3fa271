// The dashboard's entry (index.html loads it): its stylesheet, uPlot's included, and the page's element.
import './admin.css';
import './pulse-admin/define.js';
