vΜK}R4'5κ¨ϋ5οOUD)KαhΒ\ΨM,'gcH°o΄ξYG;κhδιiι«
^;²½IJR†