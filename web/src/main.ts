import { html, render } from 'htm/preact';
import { App } from './app.ts';
import './styles.css';

const root = document.getElementById('app');
if (root) render(html`<${App} />`, root);
