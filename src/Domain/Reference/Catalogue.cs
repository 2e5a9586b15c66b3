using Idarati.Domain.Administrations;

namespace Idarati.Domain.Reference;

/// <summary>A label shown to people, in Arabic and French; identifiers stay English and stable.</summary>
public sealed record Label(string Ar, string Fr);

/// <summary>A node of the complaint subject tree: subjects with their sub-subjects.</summary>
public sealed record Category(string Code, Label Label, IReadOnlyList<Category> Children)
{
    public IEnumerable<Category> SelfAndDescendants() => Children.SelectMany(c => c.SelfAndDescendants()).Prepend(this);
}

/// <summary>The reference data the service starts with. Labels live here and nowhere else.</summary>
public static class Catalogue
{
    public static IReadOnlyList<Category> ComplaintCategories { get; } =
    [
        new("ADMIN", new("الخدمات الإدارية", "Services administratifs"),
        [
            new("ADMIN.DELAY", new("التأخر في معالجة الملفات", "Retard de traitement des dossiers"), []),
            new("ADMIN.RECEPTION", new("الاستقبال والتوجيه", "Accueil et orientation"), []),
            new("ADMIN.DOCUMENTS", new("الوثائق الإدارية", "Documents administratifs"), []),
        ]),
        new("HEALTH", new("الصحة", "Santé"),
        [
            new("HEALTH.CARE", new("جودة العلاج", "Qualité des soins"), []),
            new("HEALTH.WAIT", new("مدة الانتظار", "Temps d'attente"), []),
        ]),
        new("EDUCATION", new("التعليم", "Éducation"),
        [
            new("EDUCATION.SCHOOL", new("التمدرس", "Scolarité"), []),
            new("EDUCATION.EXAMS", new("الامتحانات", "Examens"), []),
        ]),
        new("HR", new("الموارد البشرية", "Ressources humaines"),
        [
            new("HR.CAREER", new("المسار المهني", "Carrière"), []),
            new("HR.PAY", new("الأجور والتعويضات", "Rémunération et indemnités"), []),
            new("HR.RETIREMENT", new("التقاعد", "Retraite"), []),
        ]),
        new("TAX", new("الضرائب والجبايات", "Fiscalité"),
        [
            new("TAX.ASSESSMENT", new("الوعاء الضريبي", "Assiette fiscale"), []),
            new("TAX.REFUND", new("الاسترداد", "Remboursement"), []),
        ]),
        new("URBANISM", new("التعمير والسكن", "Urbanisme et habitat"),
        [
            new("URBANISM.PERMIT", new("رخص البناء", "Permis de construire"), []),
            new("URBANISM.PROPERTY", new("العقار", "Foncier"), []),
        ]),
        new("OTHER", new("أخرى", "Autres"), []),
    ];

    /// <summary>The 3737 call centre's question categories.</summary>
    public static IReadOnlyList<Category> CallCenterCategories { get; } =
    [
        new("GENERAL_GUIDANCE", new("التوجيه العام", "Orientation générale"), []),
        new("PROCEDURES", new("الإرشاد حول المساطر", "Information sur les procédures"), []),
        new("COMPLAINTS", new("الشكايات", "Réclamations"), []),
        new("THANKS_AND_REMARKS", new("الشكر والملاحظات", "Remerciements et remarques"), []),
        new("OTHER", new("أخرى", "Autres"), []),
    ];

    public static bool IsComplaintCategory(string code) =>
        ComplaintCategories.SelectMany(c => c.SelfAndDescendants()).Any(c => c.Code == code);

    /// <summary>Administrations registered on first start, so the service is usable at once.</summary>
    public static IReadOnlyList<AdministrationProfile> DefaultAdministrations { get; } =
    [
        new("MIN-INTERIEUR", "وزارة الداخلية", "Ministère de l'Intérieur", AdministrationKind.Ministry, "Rabat-Salé-Kénitra"),
        new("MIN-SANTE", "وزارة الصحة والحماية الاجتماعية", "Ministère de la Santé et de la Protection sociale", AdministrationKind.Ministry, "Rabat-Salé-Kénitra"),
        new("MIN-EDUCATION", "وزارة التربية الوطنية والتعليم الأولي والرياضة", "Ministère de l'Éducation nationale, du Préscolaire et des Sports", AdministrationKind.Ministry, "Rabat-Salé-Kénitra"),
        new("MIN-FINANCES", "وزارة الاقتصاد والمالية", "Ministère de l'Économie et des Finances", AdministrationKind.Ministry, "Rabat-Salé-Kénitra"),
        new("MIN-JUSTICE", "وزارة العدل", "Ministère de la Justice", AdministrationKind.Ministry, "Rabat-Salé-Kénitra"),
        new("MIN-TRANSITION-NUMERIQUE", "وزارة الانتقال الرقمي وإصلاح الإدارة", "Ministère de la Transition numérique et de la Réforme de l'Administration", AdministrationKind.Ministry, "Rabat-Salé-Kénitra"),
        new("DGI", "المديرية العامة للضرائب", "Direction Générale des Impôts", AdministrationKind.PublicEstablishment, "Rabat-Salé-Kénitra"),
        new("CNSS", "الصندوق الوطني للضمان الاجتماعي", "Caisse Nationale de Sécurité Sociale", AdministrationKind.PublicEstablishment, "Casablanca-Settat"),
        new("ONEE", "المكتب الوطني للكهرباء والماء الصالح للشرب", "Office National de l'Électricité et de l'Eau Potable", AdministrationKind.PublicEstablishment, "Casablanca-Settat"),
        new("ANCFCC", "الوكالة الوطنية للمحافظة العقارية والمسح العقاري والخرائطية", "Agence Nationale de la Conservation Foncière, du Cadastre et de la Cartographie", AdministrationKind.PublicEstablishment, "Rabat-Salé-Kénitra"),
        new("COMMUNE-RABAT", "جماعة الرباط", "Commune de Rabat", AdministrationKind.TerritorialCollectivity, "Rabat-Salé-Kénitra"),
        new("COMMUNE-CASABLANCA", "جماعة الدار البيضاء", "Commune de Casablanca", AdministrationKind.TerritorialCollectivity, "Casablanca-Settat"),
        new("CENTRE-3737", "مركز الاتصال والتوجيه 3737", "Centre d'appel et d'orientation 3737", AdministrationKind.PublicEstablishment, "Rabat-Salé-Kénitra"),
        new("REGION-SOUSS-MASSA", "جهة سوس ماسة", "Région Souss-Massa", AdministrationKind.TerritorialCollectivity, "Souss-Massa"),
    ];
}

/// <summary>The labels of the tracking report, in the words IDARATI publishes it with.</summary>
public static class ReportLabels
{
    public static Label Complaints { get; } = new("البوابة الوطنية للشكايات chikaya.ma", "Portail national des réclamations chikaya.ma");

    public static Label ComplaintsReceived { get; } = new("عدد الشكايات المتوصل بها", "Nombre de réclamations reçues");

    public static Label ComplaintsProcessed { get; } = new("عدد الشكايات المعالجة", "Nombre de réclamations traitées");

    public static Label ProcessingRate { get; } = new("نسبة المعالجة", "Taux de traitement");

    public static Label ParticipatingAdministrations { get; } = new("عدد الإدارات المنخرطة", "Nombre d'administrations participantes");

    public static Label CallCenter { get; } = new("مركز الاتصال والتوجيه الإداري 3737", "Centre d'appel et d'orientation administrative 3737");

    public static Label Questions { get; } = new("مجموع الأسئلة", "Nombre total de questions");

    public static Label Employment { get; } = new("بوابة التشغيل العمومي emploi-public.ma", "Portail de l'emploi public emploi-public.ma");

    public static Label CandidateAccounts { get; } = new("عدد حسابات المترشحين", "Nombre de comptes candidats");

    public static Label ElectronicApplications { get; } = new("عدد الترشيحات الإلكترونية", "Nombre de candidatures électroniques");

    public static Label CompetitionsAcceptingElectronicApplications { get; } = new("عدد المباريات التي تقبل الترشيح الإلكتروني", "Nombre de concours acceptant les candidatures électroniques");
}
