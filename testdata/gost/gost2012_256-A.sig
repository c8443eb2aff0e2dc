нgЛQwћз‚MњReNф№“жhэb)}яhК4љчaPRhЯ
Lй¦ЁЏ№їФ0ћ)RзикcmКA