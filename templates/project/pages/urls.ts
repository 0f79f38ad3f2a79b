import { path } from 'tsgate/http';
import { hello, welcome } from './views.js';

export const urlpatterns = [
  path('', welcome, { name: 'welcome', methods: ['GET'] }),
  path('hello/', hello, { name: 'hello', methods: ['POST'] }),
];
