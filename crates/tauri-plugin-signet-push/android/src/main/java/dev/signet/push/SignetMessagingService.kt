package dev.signet.push

import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.os.Build
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import com.google.firebase.messaging.FirebaseMessagingService
import com.google.firebase.messaging.RemoteMessage

/** FCM's entry point: new tokens and data messages, whether or not the app is running. */
class SignetMessagingService : FirebaseMessagingService() {
    override fun onNewToken(token: String) {
        SignetPushPlugin.loaded?.receivedToken(token)
    }

    override fun onMessageReceived(message: RemoteMessage) {
        val wakeUp = SignetPushPlugin.wakeUpOf(message.data) ?: return
        val plugin = SignetPushPlugin.loaded
        if (plugin != null) {
            plugin.receivedWakeUp(wakeUp)
        } else {
            // No app running to fetch the challenge: a generic notification (no login details)
            // that opens the app, which then fetches what is pending.
            showGeneric()
        }
    }

    private fun showGeneric() {
        val manager = getSystemService(NotificationManager::class.java) ?: return
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.O) {
            manager.createNotificationChannel(
                NotificationChannel(CHANNEL, "Sign-in requests", NotificationManager.IMPORTANCE_HIGH)
            )
        }
        val launch = packageManager.getLaunchIntentForPackage(packageName) ?: return
        val open = PendingIntent.getActivity(
            this, 0, launch, PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT
        )
        val notification = NotificationCompat.Builder(this, CHANNEL)
            .setSmallIcon(applicationInfo.icon)
            .setContentTitle("Sign-in request")
            .setContentText("Open Signet to approve or deny it.")
            .setPriority(NotificationCompat.PRIORITY_HIGH)
            .setAutoCancel(true)
            .setContentIntent(open)
            .build()
        if (NotificationManagerCompat.from(this).areNotificationsEnabled()) {
            manager.notify(GENERIC_ID, notification)
        }
    }

    private companion object {
        const val CHANNEL = "signet-sign-ins"
        const val GENERIC_ID = 1
    }
}
