"""Program insights: metrics computed in SQL, for the owners' report, Home tab and exports."""
