import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import reactRefresh from 'eslint-plugin-react-refresh';
import tseslint from 'typescript-eslint';
import pluginQuery from '@tanstack/eslint-plugin-query';

export default tseslint.config(
  { ignores: ['dist', 'dev-dist', 'node_modules', 'src/api/schema', 'e2e/screenshots', 'e2e/results'] },
  {
    files: ['**/*.{ts,tsx}'],
    // TanStack Query's rules: every value a query function uses is in its key, and the like.
    extends: [js.configs.recommended, ...tseslint.configs.recommended, ...pluginQuery.configs['flat/recommended']],
    languageOptions: { ecmaVersion: 2022, globals: globals.browser },
    plugins: { 'react-hooks': reactHooks, 'react-refresh': reactRefresh },
    rules: {
      // The classic hook rules; the React Compiler's rules (v7's "recommended") are for code
      // built with the compiler, which this app is not.
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      'react-refresh/only-export-components': ['error', { allowConstantExport: true, allowExportNames: ['useAuth', 'useSafety', 'SafetyContextForTests', 'createUserManager', 'HOLD_MS', 'COUNTDOWN_S', 'errorText', 'useNotifications', 'useMembershipChanges', 'useLiveNotifications', 'NotificationsContext', 'useAccountStatus'] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.{js,mjs}'],
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node, ...globals.browser } },
  },
);
