import { lazy, Suspense, useEffect } from 'react';
import { createBrowserRouter, RouterProvider } from 'react-router-dom';
import { Layout } from './components/Layout';
import { Loading } from './components/status';
import { RequireAuth } from './components/RequireAuth';
import { DiscoverPage } from './pages/DiscoverPage';
import { AuthCallbackPage } from './pages/AuthCallbackPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { SafetyProvider } from './safety/SafetyProvider';
import { NotificationsProvider } from './notifications/NotificationsProvider';
import { AccountStatusProvider } from './auth/AccountStatus';
import { onWorkerMessage } from './pwa/messages';
import { appPath } from './pwa/push-message';
import { reloadIfUpdated } from './pwa/update';

const EventDetailPage = lazy(() => import('./pages/EventDetailPage'));
const EventFormPage = lazy(() => import('./pages/EventFormPage'));
const CrewsPage = lazy(() => import('./pages/CrewsPage'));
const CrewPage = lazy(() => import('./pages/CrewPage'));
const ChatPage = lazy(() => import('./pages/ChatPage'));
const InvitePage = lazy(() => import('./pages/InvitePage'));
const SafetyPage = lazy(() => import('./pages/SafetyPage'));
const ProfilePage = lazy(() => import('./pages/ProfilePage'));

function page(element: React.ReactNode, signedIn = false) {
  const content = <Suspense fallback={<Loading />}>{element}</Suspense>;
  return signedIn ? <RequireAuth>{content}</RequireAuth> : content;
}

const router = createBrowserRouter([
  { path: '/auth/callback', element: <AuthCallbackPage /> },
  {
    element: (
      <AccountStatusProvider>
        <NotificationsProvider>
          <SafetyProvider>
            <Layout />
          </SafetyProvider>
        </NotificationsProvider>
      </AccountStatusProvider>
    ),
    children: [
      { index: true, element: <DiscoverPage /> },
      { path: 'events/new', element: page(<EventFormPage />, true) },
      { path: 'events/:id', element: page(<EventDetailPage />) },
      { path: 'events/:id/edit', element: page(<EventFormPage />, true) },
      { path: 'crews', element: page(<CrewsPage />, true) },
      { path: 'crews/:id', element: page(<CrewPage />, true) },
      { path: 'crews/:id/chat', element: page(<ChatPage />, true) },
      { path: 'invite/:token', element: page(<InvitePage />, true) },
      { path: 'safety', element: page(<SafetyPage />, true) },
      { path: 'profile', element: page(<ProfilePage />, true) },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

export function App() {
  // A tapped notification brings this window forward and asks it to show its page.
  useEffect(
    () =>
      onWorkerMessage((message) => {
        if (message.type === 'navigate') void router.navigate(appPath(message.url));
      }),
    [],
  );
  // After a new version took over, the next navigation loads it (at the new address).
  useEffect(() => {
    let path = router.state.location.pathname;
    return router.subscribe((state) => {
      if (state.location.pathname === path) return;
      path = state.location.pathname;
      reloadIfUpdated();
    });
  }, []);
  return <RouterProvider router={router} />;
}
