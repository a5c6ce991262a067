"""The guidelines explain stories by email and what deleting an account keeps; the privacy policy explains
export and deletion (issues 19 and 20). As in 0014, only untouched default text changes: each passage is
replaced (or a section inserted before the heading that follows it) where the page still has the words the
site shipped, so staff edits in the admin are kept.
"""

from django.db import migrations

from articles.text import render_markdown

REWORDINGS = {'guidelines/en': [('## Originality and rights',
                    '## Sending a story by email\n'
                    '\n'
                    'You can also send your story by email to {SUBMISSIONS_EMAIL}, from an address where we can reach '
                    'you:\n'
                    '\n'
                    '- the **subject** of your email becomes the title, and the **text** of the email becomes the '
                    'story (write it in the email itself, not in an attached document); its first paragraph is used as '
                    'the summary;\n'
                    '- put the **links to your sources** in the text: every web address in it is listed as a source;\n'
                    '- you may attach **one photo** (JPEG, PNG, WebP or GIF): the first image attached is used, and '
                    'its location and camera data are removed;\n'
                    '- the same rules as on the form apply: the length of the story, the number of your stories '
                    'waiting for review, and no story sent twice;\n'
                    '- we file the story in a general section, and the moderator moves it to the right one.\n'
                    '\n'
                    'We answer with a confirmation link, as for every guest: your story enters the review queue only '
                    'when you open it, and by opening it you accept these guidelines and confirm that you hold the '
                    'rights to the text and the photo. If you send from the confirmed address of your Newsroom '
                    'account, the story then appears among your submissions. Automatic replies, mailing-list messages '
                    'and answers to our emails are never read as stories. If we cannot take your email (no subject, '
                    'too short), we tell you why.\n'
                    '\n'
                    '## Originality and rights'),
                   ('## The disclaimer on every article',
                    '## If you delete your account\n'
                    '\n'
                    'You can export your data and delete your account yourself, from [Export my '
                    'data](/my/account/export/) and [Delete my account](/my/account/delete/); we ask for your password '
                    'again first. Deleting your account erases your email addresses, names, biography and photo. '
                    '**Stories we published stay online under “former contributor”**, without your name or author '
                    'page: the licence above lets readers keep what they were able to read. Stories not yet decided '
                    'are withdrawn. Moderation and copyright records are kept, with your name removed. Staff accounts '
                    'are deleted by an administrator.\n'
                    '\n'
                    '## The disclaimer on every article')],
 'guidelines/ko': [('## 독창성과 권리',
                    '## 이메일로 기사 보내기\n'
                    '\n'
                    '기사를 이메일로 {SUBMISSIONS_EMAIL} 주소에 보내셔도 됩니다. 연락받을 수 있는 주소에서 보내 주십시오.\n'
                    '\n'
                    '- 이메일 **제목**이 기사 제목이 되고, 이메일 **본문**이 기사가 됩니다. 기사는 첨부 문서가 아니라 이메일 본문에 써 주십시오. 첫 문단은 요약으로 쓰입니다.\n'
                    '- **출처 링크**는 본문에 넣어 주십시오. 본문에 있는 웹 주소는 모두 출처로 등록됩니다.\n'
                    '- **사진 한 장**(JPEG, PNG, WebP, GIF)을 첨부할 수 있습니다. 처음 첨부된 이미지가 쓰이며, 위치 정보와 카메라 정보는 삭제됩니다.\n'
                    '- 투고 양식과 같은 규칙이 적용됩니다. 기사 길이, 검토를 기다리는 기사 수, 같은 기사를 두 번 보내지 않는 것 등입니다.\n'
                    '- 기사는 일반 분야로 접수되며, 모더레이터가 알맞은 분야로 옮깁니다.\n'
                    '\n'
                    '비회원 기고와 마찬가지로 확인 링크를 보내 드립니다. 링크를 여셔야 기사가 검토 대기열에 올라가며, 링크를 여시면 이 가이드라인에 동의하고 글과 사진에 대한 권리를 가지고 '
                    '있음을 확인하시는 것입니다. Newsroom 계정에서 확인을 마친 이메일 주소로 보내시면, 기사는 그 뒤 내 기고 목록에 나타납니다. 자동 응답, 메일링 리스트 메일, 저희가 '
                    '보낸 이메일에 대한 답장은 기사로 접수하지 않습니다. 이메일을 접수할 수 없는 경우(제목이 없거나 너무 짧은 경우 등) 그 이유를 알려 드립니다.\n'
                    '\n'
                    '## 독창성과 권리'),
                   ('## 모든 기사에 붙는 고지문',
                    '## 계정을 삭제하면\n'
                    '\n'
                    '[내 데이터 내보내기](/ko/my/account/export/)와 [계정 삭제](/ko/my/account/delete/)에서 직접 데이터를 내보내고 계정을 삭제하실 수 '
                    '있습니다. 먼저 비밀번호를 다시 확인합니다. 계정을 삭제하면 이메일 주소, 이름, 소개와 사진이 지워집니다. **게재된 기사는 ‘전 기고자’ 이름으로 사이트에 남으며**, '
                    '회원님의 이름과 필자 페이지는 표시되지 않습니다. 위의 이용 허락에 따라 독자가 읽던 글은 계속 읽을 수 있습니다. 아직 결정되지 않은 기사는 철회됩니다. 검토 기록과 저작권 '
                    '기록은 이름을 지운 채 보관합니다. 운영진 계정은 관리자가 삭제합니다.\n'
                    '\n'
                    '## 모든 기사에 붙는 고지문')],
 'privacy/en': [('- **Server logs:** 14 days, unless needed to investigate a specific security incident.\n'
                 '- **Unconfirmed accounts, newsletter sign-ups and guest submissions:** deleted after 7 days if not '
                 'confirmed.\n'
                 '- **Accounts:** until you delete your account. Your data is then erased within 30 days.\n'
                 '- **Newsletter:** until you unsubscribe. We keep a record of your consent and its withdrawal for 3 '
                 'years, to show that we respected your choice.\n'
                 '- **Published articles:** stay online with the name you chose while they are published. If you close '
                 'your account, we may keep your articles online under your published name, or you can ask us to '
                 'remove or anonymise them.\n'
                 '- **Rejected or withdrawn submissions:** 12 months after the final decision, including any appeal.\n'
                 '- **Moderation records and flags:** 3 years, so we can handle appeals, repeat violations and legal '
                 'claims.\n'
                 '- **Copyright notices and counter-notices:** 3 years after the case is closed, or longer if legal '
                 'proceedings are pending.',
                 '- **Server logs:** 14 days, unless needed to investigate a specific security incident.\n'
                 '- **Unconfirmed accounts, newsletter sign-ups and guest submissions:** deleted after 7 days if not '
                 'confirmed.\n'
                 '- **Accounts:** until you delete your account. Your data is then erased within 30 days.\n'
                 '- **Newsletter:** until you unsubscribe. We keep a record of your consent and its withdrawal for 3 '
                 'years, to show that we respected your choice.\n'
                 '- **Published articles:** stay online with the name you chose while they are published. If you '
                 'delete your account, they stay online under “former contributor”, without your name, biography, '
                 'photo or author page; you can ask us to remove them.\n'
                 '- **Rejected or withdrawn submissions:** 12 months after the final decision, including any appeal.\n'
                 '- **Moderation records and flags:** 3 years, so we can handle appeals, repeat violations and legal '
                 'claims.\n'
                 '- **Copyright notices and counter-notices:** 3 years after the case is closed, or longer if legal '
                 'proceedings are pending.'),
                ('Many of these you can do yourself: edit or delete your account in your account settings, and '
                 'unsubscribe with the link in any newsletter. For anything else, write to us using the contact '
                 'address in the [Legal notice](/pages/legal/). We may ask you to confirm your identity. We reply '
                 'within one month (within 10 days where Korean law applies). A legal representative may exercise '
                 'these rights on your behalf.',
                 'Many of these you can do yourself: edit your account in your account settings, download a copy of '
                 'your data (one JSON file with your account, profile, submissions with every revision and their '
                 'moderation history, flags, counter-notices and newsletter subscription) from [Export my '
                 'data](/my/account/export/), delete your account from [Delete my account](/my/account/delete/) (both '
                 'ask for your password again), and unsubscribe with the link in any newsletter. Deleting your account '
                 'erases your email addresses, names, biography, photo, sessions and newsletter subscription at once; '
                 'stories still under review are withdrawn; moderation and copyright records are kept with your name '
                 'removed, for the periods above. For anything else, write to us using the contact address in the '
                 '[Legal notice](/pages/legal/). We may ask you to confirm your identity. We reply within one month '
                 '(within 10 days where Korean law applies). A legal representative may exercise these rights on your '
                 'behalf.')],
 'privacy/ko': [('- **서버 로그**: 14일. 특정 보안 사고를 조사해야 하는 경우는 예외로 합니다.\n'
                 '- **확인되지 않은 회원 가입, 뉴스레터 신청, 비회원 기고**: 7일 안에 확인되지 않으면 삭제합니다.\n'
                 '- **회원 정보**: 계정을 삭제할 때까지 보관하며, 삭제 후 30일 안에 파기합니다.\n'
                 '- **뉴스레터**: 구독을 해지할 때까지 보관합니다. 이용자의 선택을 존중했음을 증명하기 위해 동의 및 철회 기록은 3년간 보관합니다.\n'
                 '- **게재된 기사**: 게재되어 있는 동안 선택하신 이름과 함께 공개됩니다. 계정을 탈퇴하더라도 기사는 게재 당시 이름으로 남을 수 있으며, 삭제나 익명 처리를 요청하실 수 '
                 '있습니다.\n'
                 '- **반려되거나 철회된 기고**: 이의 신청을 포함한 최종 결정 후 12개월\n'
                 '- **검토 기록 및 신고 내역**: 이의 신청, 반복 위반, 법적 분쟁에 대응하기 위해 3년\n'
                 '- **저작권 침해 신고 및 반론 통지**: 사건 종결 후 3년. 소송이 진행 중이면 그보다 길게 보관할 수 있습니다.',
                 '- **서버 로그**: 14일. 특정 보안 사고를 조사해야 하는 경우는 예외로 합니다.\n'
                 '- **확인되지 않은 회원 가입, 뉴스레터 신청, 비회원 기고**: 7일 안에 확인되지 않으면 삭제합니다.\n'
                 '- **회원 정보**: 계정을 삭제할 때까지 보관하며, 삭제 후 30일 안에 파기합니다.\n'
                 '- **뉴스레터**: 구독을 해지할 때까지 보관합니다. 이용자의 선택을 존중했음을 증명하기 위해 동의 및 철회 기록은 3년간 보관합니다.\n'
                 '- **게재된 기사**: 게재되어 있는 동안 선택하신 이름과 함께 공개됩니다. 계정을 삭제하면 기사는 이름, 소개, 사진, 필자 페이지 없이 ‘전 기고자’ 이름으로 남으며, 기사 '
                 '삭제를 요청하실 수 있습니다.\n'
                 '- **반려되거나 철회된 기고**: 이의 신청을 포함한 최종 결정 후 12개월\n'
                 '- **검토 기록 및 신고 내역**: 이의 신청, 반복 위반, 법적 분쟁에 대응하기 위해 3년\n'
                 '- **저작권 침해 신고 및 반론 통지**: 사건 종결 후 3년. 소송이 진행 중이면 그보다 길게 보관할 수 있습니다.'),
                ('상당수는 직접 하실 수 있습니다. 계정 설정에서 정보를 수정하거나 계정을 삭제할 수 있고, 뉴스레터의 링크로 구독을 해지할 수 있습니다. 그 밖의 요청은 [법적 '
                 '고지](/ko/pages/legal/)에 있는 연락처로 보내 주세요. 본인 확인을 요청드릴 수 있습니다. 요청을 받은 날부터 1개월 안에 답변드리며, 한국 법이 적용되는 경우에는 '
                 '10일 안에 답변드립니다. 법정대리인을 통해서도 권리를 행사하실 수 있습니다.',
                 '상당수는 직접 하실 수 있습니다. 계정 설정에서 정보를 수정할 수 있고, [내 데이터 내보내기](/ko/my/account/export/)에서 데이터 사본(계정, 프로필, 모든 '
                 '수정본과 검토 기록을 포함한 제출 기사, 신고, 반론 통지, 뉴스레터 구독을 담은 JSON 파일 하나)을 내려받을 수 있으며, [계정 '
                 '삭제](/ko/my/account/delete/)에서 계정을 삭제할 수 있습니다(두 경우 모두 비밀번호를 다시 확인합니다). 뉴스레터의 링크로 구독을 해지할 수도 있습니다. 계정을 '
                 '삭제하면 이메일 주소, 이름, 소개, 사진, 로그인 세션, 뉴스레터 구독이 바로 지워지고, 검토 중인 기사는 철회되며, 검토 기록과 저작권 기록은 이름을 지운 채 위의 기간 동안 '
                 '보관합니다. 그 밖의 요청은 [법적 고지](/ko/pages/legal/)에 있는 연락처로 보내 주세요. 본인 확인을 요청드릴 수 있습니다. 요청을 받은 날부터 1개월 안에 '
                 '답변드리며, 한국 법이 적용되는 경우에는 10일 안에 답변드립니다. 법정대리인을 통해서도 권리를 행사하실 수 있습니다.')]}


def reword(apps, schema_editor):
    Page = apps.get_model("articles", "Page")
    for page in Page.objects.filter(slug__in=("guidelines", "privacy")):
        body = page.body
        for old, new in REWORDINGS.get(f"{page.slug}/{page.language}", []):
            if body.count(old) == 1:
                body = body.replace(old, new)
        if body != page.body:
            page.body, page.body_html = body, render_markdown(body)
            page.save(update_fields=["body", "body_html", "updated_at"])


class Migration(migrations.Migration):
    dependencies = [("articles", "0016_performance_indexes")]

    operations = [migrations.RunPython(reword, migrations.RunPython.noop)]
